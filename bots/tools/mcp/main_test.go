package mcp

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"

	"mistralbot/bots/tools/mcp/mcptest"
)

// TestMain makes the test binary double as the stdio test server: the
// tests start os.Args[0] with mcptest.ChildEnv=1 as a server's command.
// goleak then proves that Close leaves no goroutine behind.
func TestMain(m *testing.M) {
	mcptest.ServeIfChild()
	code := m.Run()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak: goroutines outlived the tests:", err)
			code = 1
		}
	}
	os.Exit(code)
}
