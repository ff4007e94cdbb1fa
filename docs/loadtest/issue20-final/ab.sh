#!/bin/bash
# Session 8, end: main at f76b2ff (start of the session) against main after
# the session's merges, alternated with the load tool's A/B mode, 3 runs each.
cd /tmp/f8; out=/tmp/f8/runs; mkdir -p $out
L=/tmp/f8/lt; O=/tmp/f8/mb-old; N=/tmp/f8/mb-new
$L -bot $N -ab $O -runs 3 -platforms discord -conversations 10 -channels 10 -progress=false -json $out/10-bolt.json > $out/10-bolt.txt 2>&1
$L -bot $N -ab $O -runs 3 -platforms discord -conversations 10 -channels 10 -llm-tls=false -progress=false -json $out/10-http1.json > $out/10-http1.txt 2>&1
$L -bot $N -ab $O -runs 3 -platforms discord -conversations 200 -channels 40 -progress=false -json $out/200-bolt.json > $out/200-bolt.txt 2>&1
$L -bot $N -ab $O -runs 3 -progress=false -json $out/1000-bolt.json > $out/1000-bolt.txt 2>&1
$L -bot $N -ab $O -runs 3 -store memory -progress=false -json $out/1000-memory.json > $out/1000-memory.txt 2>&1
$L -bot /tmp/f8/mb-new-gogc50 -ab $N -runs 3 -progress=false -json $out/1000-bolt-gogc50.json > $out/1000-bolt-gogc50.txt 2>&1
$L -bot /tmp/f8/mb-new-gogc50 -ab $N -runs 3 -platforms discord -conversations 10 -channels 10 -progress=false -json $out/10-bolt-gogc50.json > $out/10-bolt-gogc50.txt 2>&1
echo done $(date -u +%T) > $out/done
