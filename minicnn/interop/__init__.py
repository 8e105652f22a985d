"""Exchange with other frameworks (TensorFlow is imported only in these modules)."""
