"""Models, training and datasets: the model catalogue's commands, training jobs, the dataset builder."""
