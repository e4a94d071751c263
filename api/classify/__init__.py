"""/v1/classify: themes for texts, nothing stored."""
