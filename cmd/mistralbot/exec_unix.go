//go:build unix

package main

import "syscall"

// execSelf replaces the process image, keeping its id (execve(2)).
var execSelf = syscall.Exec
