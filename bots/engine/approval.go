package engine

import (
	"context"

	"mistralbot/bots"
	"mistralbot/bots/tools"
)

// approved asks a person to approve call and runs it once approved.
func (s *toolStream) approved(call tools.Call, tool tools.Tool) tools.Result {
	return s.a.e.opts.Tools.Runner.Deny(call, "approvals are not available here")
}

// resume continues a recovered answer's tool loop where its approval
// left it; false when there is nothing to resume.
func (s *toolStream) resume(_ context.Context, _ bots.ModelRequest) (bots.TokenStream, bool, error) {
	return nil, false, nil
}
