"""Post-processing: matplotlib plots (post.plots) and PyVista views (post.views)."""
