"""Names of the fields in the files a run writes (with their unit), without dolfinx.

``output.fields`` entry -> array name in ``fields.vtkhdf`` / ``fields.bp``; the cell data
``region_id`` is the region of each cell (1 lithium, 2 electrolyte, 3 sei: core/groups.py).
"""

FILE_NAMES = {"c": "c_mol_m3", "T": "T_K", "displacement": "displacement_m"}
SHORT_NAMES = {v: k for k, v in FILE_NAMES.items()}
REGION_NAME = "region_id"
TIME_NAME = "time_s"  # field data: the output time of each step [s]
