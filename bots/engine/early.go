package engine

import (
	"context"

	"mistralbot/bots"
)

// earlyStream is a model request started while the reply is being opened.
type earlyStream struct {
	cancel context.CancelFunc
	done   chan struct{}
	st     bots.TokenStream
	err    error
}

// startStream asks the model in the background; get or discard ends it.
func (e *Engine) startStream(ctx context.Context, req bots.ModelRequest, plan *answerPlan) *earlyStream {
	ctx, cancel := context.WithCancel(ctx)
	es := &earlyStream{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(es.done)
		es.st, es.err = plan.stream(ctx, req)
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
	es.cancel()
	<-es.done
	if es.st != nil {
		es.st.Close()
	}
}
