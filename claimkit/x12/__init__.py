"""X12 edge: the element-position spec, the one encoder, the 837P writer and the reader."""
