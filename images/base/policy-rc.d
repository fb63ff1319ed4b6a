#!/bin/sh
# Debian package scripts ask this program whether they may start a daemon. While an
# image is built nothing should run, and in a lab asbuilt-service starts the daemons
# itself, so the answer is always no (101: "action forbidden").
exit 101
