package engine

import (
	"context"

	"mistralbot/bots"
)

// earlyStream is a model request started while the reply is being opened.
type earlyStream struct {
	// cancel ends the model request's context (process's lctx): a
	// request discarded is the answer's last, so its own context would
	// only add a cancelCtx, a children map and a Done channel to every
	// answer for as long as it streams (issue 20, session 9).
	cancel context.CancelCauseFunc
	done   chan struct{}
	st     bots.TokenStream
	err    error
}

// startStream asks the model in the background under lctx, the answer's
// model request context, which cancel ends; get or discard ends it.
func (e *Engine) startStream(lctx context.Context, cancel context.CancelCauseFunc, req bots.ModelRequest, plan *answerPlan) *earlyStream {
	es := &earlyStream{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(es.done)
		es.st, es.err = plan.stream(lctx, req)
	}()
	return es
}

// get waits for the request's answer to start.
func (es *earlyStream) get() (bots.TokenStream, error) {
	<-es.done
	return es.st, es.err
}

// discard cancels the request (the reply could not be opened) and waits
// for it to end. Safe on nil.
func (es *earlyStream) discard() {
	if es == nil {
		return
	}
	es.cancel(nil)
	<-es.done
	if es.st != nil {
		es.st.Close()
	}
}
