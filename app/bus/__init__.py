"""Live signals between StoreSight processes (RabbitMQ): :mod:`app.bus.rabbit`."""
