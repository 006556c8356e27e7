"""Built-in check types, one module each, imported when a checklist uses them."""
