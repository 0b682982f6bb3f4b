// Placeholder until the implementation lands (being written now).
