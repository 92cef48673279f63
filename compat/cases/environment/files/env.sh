#!/bin/sh
echo "script: $PLAY_VAR / $SCRIPT_VAR"
