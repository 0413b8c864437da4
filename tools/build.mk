# tools targets
