"""Scheduled jobs: the job file, what it means for one run, and the lock that keeps runs apart."""
