"""The physical model: material data, kinetics laws, resolved parameters, UFL forms.

Importing the package registers the built-in laws and boundary conditions
(:mod:`dendrisim.physics.registry`); these modules import nothing heavy.
"""

from dendrisim.physics import conditions, laws  # noqa: F401  (fill the registries)
