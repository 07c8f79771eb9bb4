"""The physical model: material data, kinetics laws, resolved parameters, UFL forms."""
