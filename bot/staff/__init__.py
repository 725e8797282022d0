"""The staff console under /staff/: sign-in, the feedback inbox, answering residents."""
