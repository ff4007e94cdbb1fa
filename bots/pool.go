package bots

import (
	"errors"
)

// ErrBusy is returned by Answer (and used by Dispatch) when the queue is
// full; the reply has then been finished with the localized busy notice.
var ErrBusy = errors.New("engine: queue full")

// ErrStopped is returned by Dispatch, Answer and TranslateMessage once
// the Engine's Run context has ended: the engine takes no new work.
var ErrStopped = errors.New("engine: stopped")

// ErrUserBusy is returned by Answer (and used by Dispatch) when the asker
// already has MaxPendingPerUser questions queued or running: one person
// cannot take every worker and queue slot (issue 12).
var ErrUserBusy = errors.New("engine: too many questions pending for this user")
