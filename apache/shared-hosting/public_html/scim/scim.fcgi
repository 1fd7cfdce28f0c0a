#!/bin/sh
# scim.fcgi - starts the SCIM worker with its settings. Apache runs this
# file: mod_fcgid keeps it running and hands it request after request; plain
# CGI runs it once per request. The worker and its settings stay outside the
# document root, in SCIM_HOME: the install steps of the README (Shared
# hosting) set it to your ~/scim.
SCIM_HOME=/home/example/scim

# Libraries the host lacks, if any, go to $SCIM_HOME/lib.
LD_LIBRARY_PATH=$SCIM_HOME/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH
# SCIM_DATABASE, SCIM_BASE_URL, ...: see scim.conf.
exec "$SCIM_HOME/bin/scim-fcgi" --config "$SCIM_HOME/scim.conf"
