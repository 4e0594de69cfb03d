"""Claims XML: writer, hardened reader and the shipped XSD (urn:claimkit:claims:1.0)."""
from claimkit.xml.layout import NAMESPACE, SCHEMA_VERSION
from claimkit.xml.reader import MAX_BYTES, XmlClaimOrigin, read_xml, read_xml_with_origins, schema, schema_path
from claimkit.xml.writer import write_xml

__all__ = ["NAMESPACE", "SCHEMA_VERSION", "MAX_BYTES", "XmlClaimOrigin", "read_xml",
           "read_xml_with_origins", "schema", "schema_path", "write_xml"]
