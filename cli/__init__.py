"""claimkit's command line (installed as ``claimkit.cli``): thin wiring over the library."""
