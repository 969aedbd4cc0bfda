#!/bin/sh
# /app/bin/pumpkin-patch in the Flatpak: the app's venv, built by the manifest.
exec /app/venv/bin/pumpkin-patch "$@"
