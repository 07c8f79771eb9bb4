"""Results on disk: the results folder and manifest, field files, reading a results folder."""
