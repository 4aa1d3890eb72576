"""What lemap says about itself as a dataset: its title, description, keywords, licence and source.

Every description (VoID, DCAT) and every dump states them; the source's IRI is
:data:`lemap_graph.store.REPORT_IRI`, the report's node in the graph.
"""

LICENSE = "https://creativecommons.org/licenses/by/4.0/"
LICENSE_NAME = "Creative Commons Attribution 4.0 International (CC BY 4.0)"
SOURCE_TITLE = ("UNODC Mapping exercise 2013 – 2021: The Role of Law Enforcement in HIV prevention among people "
                "who use drugs (PWUD)")
TITLE = "lemap: law enforcement and HIV prevention among people who use drugs, 2013–2021"
DESCRIPTION = (
    "An open knowledge graph of who worked with whom, with which tools, where and when, to bring law enforcement "
    "into HIV prevention among people who use drugs, curated sentence by sentence from the UNODC mapping report "
    "2013–2021; every fact points at the sentence of the report it came from."
)
KEYWORDS = ("HIV prevention", "law enforcement", "people who use drugs", "harm reduction", "UNODC", "linked data")
