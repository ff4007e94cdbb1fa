// Package termmode adjusts a terminal's line discipline for the chat, with
// golang.org/x/sys/unix (the only package of the console importing it).
//
// The chat leaves the terminal in cooked mode (the kernel's line editing
// and echo) and turns bracketed paste on. With ECHOCTL set, as it is by
// default, the kernel echoes the paste markers' ESC as "^[", so every
// paste would show "^[[200~" before it; QuietControls turns ECHOCTL off
// while the chat runs, so the markers are echoed as they are and the
// terminal, which reads them as an unknown control sequence, shows
// nothing (termios(3), ECHOCTL).
package termmode

import "os"

// QuietControls turns off the echo of control characters as ^X on the
// terminal f; restore puts the terminal back as it was. On a system
// without termios support (or f not a terminal) it does nothing.
func QuietControls(f *os.File) (restore func()) {
	return quietControls(f)
}
