#!/bin/sh
echo from a script "$1" in "$(pwd)"
echo to stderr >&2
