"""One mesh segment's fields as XDMF + HDF5 that pyvista, meshio and ParaView read.

dolfinx's :class:`~dolfinx.io.XDMFFile` writes the data (``fields.h5``) and an XML with
one temporal collection per function, which VTK's XDMF reader (``pyvista.read``) crashes
on and meshio refuses ("Only supports one grid").  After every write rank 0 rewrites that
XML (dolfinx keeps it whole in memory and saves it each time) into the standard layout:
one temporal collection whose grids hold the mesh, the time and every field
(``c_mol_m3``, ``T_K``, ``displacement_m``) plus the cell data ``region_id``, with
``Precision="8"`` on the float data.  The HDF5 data is dolfinx's, untouched.
"""

from __future__ import annotations

import copy
import os
import xml.etree.ElementTree as ET
from pathlib import Path

from dendrisim.core.compat import import_dolfinx

import_dolfinx()
import dolfinx.io  # noqa: E402

import numpy as np  # noqa: E402

from dendrisim.core import parallel  # noqa: E402
from dendrisim.io.field_names import REGION_NAME  # noqa: E402
from dendrisim.io.field_values import NodalFields  # noqa: E402

_XI = "http://www.w3.org/2001/XInclude"


class XdmfWriter:
    """Fields of one mesh in ``path`` (``.xdmf`` + ``.h5``), one time per :meth:`write`."""

    def __init__(self, path: str | Path, model, fields=("c", "T", "displacement")):
        self.path = Path(path)
        mesh = model.mesh
        self.comm = mesh.comm
        self.values = NodalFields(model, fields)
        self.file = dolfinx.io.XDMFFile(mesh.comm, str(self.path), "w")
        self.file.write_mesh(mesh)
        tags = model.bundle.cell_tags
        tags.name = REGION_NAME
        self.file.write_meshtags(tags, mesh.geometry)
        # the tags are a cell attribute of the mesh only when they list every owned cell in
        # order (then dolfinx writes them in the mesh's cell order)
        owned = mesh.topology.index_map(mesh.topology.dim).size_local
        own = tags.indices[tags.indices < owned]
        self.tags_aligned = not parallel.global_any(
            not np.array_equal(own, np.arange(owned)), self.comm
        )
        self._standardize()

    def write(self, t: float) -> None:
        """Write the fields at time ``t`` [s] (collective)."""
        self.values.update()
        for name in self.values.fields:
            self.file.write_function(self.values.functions[name], t)
        self._standardize()

    def _standardize(self) -> None:
        parallel.on_root(lambda: standardize_xdmf(self.path, self.tags_aligned), self.comm)

    def close(self) -> None:
        """Close the file (collective)."""
        self.file.close()
        self._standardize()


def standardize_xdmf(path: Path, tags_aligned: bool = True) -> None:
    """Rewrite dolfinx's XDMF at ``path`` in the one-collection layout (atomically)."""
    root = ET.parse(path).getroot()
    domain = root.find("Domain")
    grids = list(domain) if domain is not None else []
    mesh = next((g for g in grids if g.find("Geometry") is not None), None)
    if mesh is None:
        return  # already standard, or nothing written yet
    tags = next((g for g in grids if g.get("Name") == REGION_NAME), None)
    by_time: dict[str, list[ET.Element]] = {}
    for coll in grids:
        if coll.get("CollectionType") != "Temporal":
            continue
        for g in coll.findall("Grid"):
            t, att = g.find("Time"), g.find("Attribute")
            if t is not None and att is not None:
                by_time.setdefault(t.get("Value", "0"), []).append(att)
    ET.register_namespace("xi", _XI)
    out = ET.Element("Xdmf", Version="3.0")
    new_domain = ET.SubElement(out, "Domain")
    if not by_time:  # no time yet: the mesh (and its regions) alone
        by_time_items: list[tuple[str | None, list[ET.Element]]] = [(None, [])]
        parent = new_domain
    else:
        by_time_items = list(by_time.items())
        parent = ET.SubElement(
            new_domain, "Grid", Name="fields", GridType="Collection", CollectionType="Temporal"
        )
    for t, atts in by_time_items:
        g = ET.SubElement(parent, "Grid", Name="mesh", GridType="Uniform")
        g.append(_double(mesh.find("Topology")))
        g.append(_double(mesh.find("Geometry")))
        if t is not None:
            ET.SubElement(g, "Time", Value=t)
        for att in atts:
            g.append(_double(att))
        if tags is not None and tags_aligned:
            g.append(copy.deepcopy(tags.find("Attribute")))
    tmp = path.with_name(f".{path.name}.tmp")
    ET.ElementTree(out).write(tmp, xml_declaration=True, encoding="utf-8")
    os.replace(tmp, path)


def _double(el: ET.Element) -> ET.Element:
    """A copy of ``el`` whose float DataItems say Precision 8 (VTK reads 4 otherwise)."""
    el = copy.deepcopy(el)
    for item in el.iter("DataItem"):
        if item.get("NumberType", "Float") == "Float":
            item.set("Precision", "8")
    return el
