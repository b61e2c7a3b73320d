"""Everything that touches Cedar text or a Cedar engine lives here."""
