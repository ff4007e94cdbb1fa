//go:build !unix

package main

// execSelf is nil where there is no execve: the runtime's default stays.
var execSelf func(argv0 string, argv, envv []string) error
