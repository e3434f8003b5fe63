"""Work: the work situation, the return-to-work coordinator's follow-up and letters to the employer."""
