package main

import "context"

// startBackground runs fn on its own goroutine with a context that ends
// with ctx or when stop is called; stop returns once fn has returned.
// runBot's runtime controllers (the GC policy, the processor control)
// start this way and are stopped before it returns.
func startBackground(ctx context.Context, fn func(context.Context)) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(ctx)
	}()
	return func() {
		cancel()
		<-done
	}
}
