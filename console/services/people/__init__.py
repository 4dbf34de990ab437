"""Personal data: masking, audited reveal, retention and export."""
