"""The worker's processes: the seam into upstream Runner, the executor's command and spawn, cancel and clean-up."""
