"""Pure domain logic of StoreSight: types, geometry, zones, visits, heatmaps, queues, roles.

Nothing here imports Qt, SQLAlchemy, model runtimes, or touches files or the network.
"""
