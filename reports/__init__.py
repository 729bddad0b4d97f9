"""Reports: the session, programme, leader and summary PDFs, the summary export and the
personal-data PDF. No models: built on top of programmes, reflection groups and surveys."""
