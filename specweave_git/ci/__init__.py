"""The GitHub Action's entry logic: the event, the inputs, the outputs and the run."""
