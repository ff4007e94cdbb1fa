package engine

import (
	"sync"

	"mistralbot/bots"
)

// pool is the Engine's bounded work queue. Jobs wait in one FIFO lane per
// conversation; a lane is held by at most one worker at a time, so replies
// in a thread are produced in order while different threads run in
// parallel. Lanes with waiting jobs and no worker sit in the ready queue.
// Nothing here starts goroutines: the Engine's workers call next and done.
type pool struct {
	mu      sync.Mutex
	cond    *sync.Cond
	lanes   map[bots.ConversationKey]*lane
	ready   []*lane
	waiting int // jobs queued, not yet taken
	running int // jobs taken, not yet done
	max     int
	// perUser counts each asker's jobs queued or running; maxPerUser
	// bounds it (0 = no bound).
	perUser    map[string]int
	maxPerUser int
	closed     bool
}

type lane struct {
	key  bots.ConversationKey
	jobs []*job
	held bool
}

func newPool(max, maxPerUser int) *pool {
	p := &pool{lanes: make(map[bots.ConversationKey]*lane), max: max, perUser: make(map[string]int), maxPerUser: maxPerUser}
	p.cond = sync.NewCond(&p.mu)
	return p
}

// push queues j on its conversation's lane. It fails with ErrUserBusy
// when j's asker already has maxPerUser jobs queued or running, with
// ErrBusy when max jobs already wait (recovered replies, accepted before,
// always get in), and with ErrStopped after close. The per-user bound is
// checked first: a flooder is told about its own limit, not the bot's.
func (p *pool) push(j *job) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return bots.ErrStopped
	}
	u := j.user()
	if !j.recovered() {
		if p.maxPerUser > 0 && u != "" && p.perUser[u] >= p.maxPerUser {
			return bots.ErrUserBusy
		}
		if p.waiting >= p.max {
			return bots.ErrBusy
		}
	}
	if u != "" {
		p.perUser[u]++
	}
	l := p.lanes[j.key]
	if l == nil {
		l = &lane{key: j.key}
		p.lanes[j.key] = l
	}
	l.jobs = append(l.jobs, j)
	p.waiting++
	if !l.held && len(l.jobs) == 1 {
		p.ready = append(p.ready, l)
		p.cond.Signal()
	}
	return nil
}

// next blocks until a job is ready and takes it, holding its lane; it
// returns nil once the pool is closed.
func (p *pool) next() *job {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.ready) == 0 && !p.closed {
		p.cond.Wait()
	}
	if p.closed {
		return nil
	}
	l := p.ready[0]
	p.ready[0] = nil
	p.ready = p.ready[1:]
	j := l.jobs[0]
	l.jobs[0] = nil
	l.jobs = l.jobs[1:]
	l.held = true
	p.waiting--
	p.running++
	return j
}

// done releases the lane of a job taken by next. A lane with more jobs goes
// to the back of the ready queue, so one busy thread cannot starve others.
func (p *pool) done(j *job) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.running--
	p.release(j)
	l := p.lanes[j.key]
	l.held = false
	if len(l.jobs) == 0 {
		delete(p.lanes, j.key)
		return
	}
	p.ready = append(p.ready, l)
	p.cond.Signal()
}

// close stops next from handing out jobs and wakes every waiting worker.
func (p *pool) close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.cond.Broadcast()
}

// drain removes and returns every queued job, in lane order.
func (p *pool) drain() []*job {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []*job
	for k, l := range p.lanes {
		for _, j := range l.jobs {
			p.release(j)
		}
		out = append(out, l.jobs...)
		l.jobs = nil
		if !l.held {
			delete(p.lanes, k)
		}
	}
	p.ready = nil
	p.waiting = 0
	return out
}

// release ends j's count against its asker's bound; p.mu is held.
func (p *pool) release(j *job) {
	u := j.user()
	if u == "" {
		return
	}
	if p.perUser[u]--; p.perUser[u] <= 0 {
		delete(p.perUser, u)
	}
}

// user is the asker the job counts against ("" for none).
func (j *job) user() string {
	if j.msg.UserID == "" {
		return ""
	}
	return bots.UserID(j.msg.Key.Platform, j.msg.UserID)
}

// stats returns the number of queued and running jobs.
func (p *pool) stats() (waiting, running int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.waiting, p.running
}
