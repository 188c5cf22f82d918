"""The Datasette hub: what the hub database says about itself (catalog tables),
the Datasette metadata derived from it, and the plugin serving the landing and
dataset pages. Building the database is `catalog.publish.datasette`."""
