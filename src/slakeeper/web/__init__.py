"""The web layer: the FastAPI app (JSON API now, the console later). Routes parse, call one
service and shape the response; no logic lives here."""
