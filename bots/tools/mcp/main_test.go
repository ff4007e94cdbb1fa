package mcp

import (
	"os"
	"testing"

	"mistralbot/bots/tools/mcp/mcptest"
)

// TestMain makes the test binary double as the stdio test server: the
// tests start os.Args[0] with mcptest.ChildEnv=1 as a server's command.
func TestMain(m *testing.M) {
	mcptest.ServeIfChild()
	os.Exit(m.Run())
}
