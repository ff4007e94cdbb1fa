#!/bin/sh
# mkwrap.sh BIN -> /tmp/cpu/wrap-$(basename BIN).sh
W=/tmp/cpu/wrap-$(basename $1).sh
printf '#!/bin/sh\necho $$ > /tmp/cpu/m/botpid\nexec %s "$@"\n' "$1" > $W; chmod +x $W; echo $W
