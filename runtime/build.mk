# runtime targets
