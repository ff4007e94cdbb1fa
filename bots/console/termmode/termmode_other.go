//go:build !linux

package termmode

import "os"

func quietControls(*os.File) func() { return func() {} }
