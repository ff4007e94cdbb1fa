// floor: the CPU a client process spends only receiving N streams of SSE
// chunks, doing nothing with them (issue 20, session 9; README.md here).
// The parent serves; the client runs as a child process, and the parent
// prints the child's CPU (getrusage). Clients:
//
//	(default) net/http over HTTPS + HTTP/2, each stream read line by line
//	-h1       net/http over plain HTTP/1.1, a connection per stream
//	-raw      plain TCP, one goroutine per connection reading into a buffer
//	-raw -tick D  plain TCP, one goroutine reading every connection,
//	              non-blocking, every D
package main

import (
	"bufio"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// chunk is one token's SSE event, as the load tool's fake LLM writes it.
const chunk = "data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" tok\"}}]}\n\n"

type options struct {
	streams, tokens int
	tps             float64
	ramp, tick      time.Duration
	h1, raw         bool
}

func main() {
	var o options
	client := flag.String("client", "", "run as the client of this address (set by the parent)")
	flag.IntVar(&o.streams, "streams", 10, "streams, all in flight together")
	flag.IntVar(&o.tokens, "tokens", 300, "tokens per stream")
	flag.Float64Var(&o.tps, "tps", 50, "tokens per second per stream")
	flag.DurationVar(&o.ramp, "ramp", 2*time.Second, "time over which the streams start")
	flag.BoolVar(&o.h1, "h1", false, "net/http over plain HTTP/1.1")
	flag.BoolVar(&o.raw, "raw", false, "plain TCP, no TLS, no HTTP")
	flag.DurationVar(&o.tick, "tick", 0, "with -raw: one goroutine reads every connection every tick")
	flag.Parse()
	if *client != "" {
		runClient(*client, o)
		return
	}
	addr, stop := serve(o)
	defer stop()
	args := append([]string{"-client", addr}, os.Args[1:]...)
	cmd := exec.Command(os.Args[0], args...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Println("client:", err)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	user, sys := time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())
	cpu := user + sys
	fmt.Printf("client CPU %v (user %v sys %v) = %.1f ms per stream of %d tokens, %.1f us/token; vcsw %d\n",
		cpu, user, sys, float64(cpu.Microseconds())/1000/float64(o.streams), o.tokens,
		float64(cpu.Microseconds())/float64(o.streams*o.tokens), ru.Nvcsw)
}

// stream writes the tokens of one reply: 500 ms to the first, then one
// chunk every 1/tps, each written alone.
func stream(o options, write func(string), flush func()) {
	time.Sleep(500 * time.Millisecond)
	t := time.NewTicker(time.Duration(float64(time.Second) / o.tps))
	defer t.Stop()
	for range o.tokens {
		<-t.C
		write(chunk)
		flush()
	}
}

// serve starts the server for o's client and returns its address.
func serve(o options) (string, func()) {
	if o.raw {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			panic(err)
		}
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				go func() {
					defer c.Close()
					stream(o, func(s string) { io.WriteString(c, s) }, func() {})
				}()
			}
		}()
		return ln.Addr().String(), func() { ln.Close() }
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		f := w.(http.Flusher)
		f.Flush()
		stream(o, func(s string) { io.WriteString(w, s) }, f.Flush)
		io.WriteString(w, "data: [DONE]\n\n")
	}))
	if o.h1 {
		srv.Start()
	} else {
		srv.EnableHTTP2 = true
		srv.StartTLS()
	}
	return srv.URL, srv.Close
}

func runClient(addr string, o options) {
	if o.raw && o.tick > 0 {
		tickClient(addr, o)
		return
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, ForceAttemptHTTP2: !o.h1}
	c := &http.Client{Transport: tr}
	var wg sync.WaitGroup
	for range o.streams {
		wg.Go(func() {
			if o.raw {
				readRaw(addr)
			} else {
				readHTTP(c, addr, o.tokens)
			}
		})
		time.Sleep(o.ramp / time.Duration(o.streams))
	}
	wg.Wait()
}

func readRaw(addr string) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		panic(err)
	}
	defer c.Close()
	buf := make([]byte, 4096)
	for {
		if _, err := c.Read(buf); err != nil {
			return
		}
	}
}

func readHTTP(c *http.Client, url string, tokens int) {
	resp, err := c.Post(url, "application/json", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	br := bufio.NewReaderSize(resp.Body, 1024)
	n := 0
	for {
		if _, err := br.ReadSlice('\n'); err != nil {
			break
		}
		n++
	}
	if n < tokens {
		fmt.Println("short stream:", n, "lines", resp.Proto)
	}
}

// tickClient reads every connection, non-blocking, once per tick, from
// one goroutine: no wake-up per packet, one per tick.
func tickClient(addr string, o options) {
	var raws []syscall.RawConn
	done := make([]bool, o.streams)
	open := o.streams
	start := time.Now()
	buf := make([]byte, 65536)
	t := time.NewTicker(o.tick)
	defer t.Stop()
	for open > 0 {
		<-t.C
		for len(raws) < o.streams && time.Since(start) >= time.Duration(len(raws))*o.ramp/time.Duration(o.streams) {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				panic(err)
			}
			rc, err := c.(*net.TCPConn).SyscallConn()
			if err != nil {
				panic(err)
			}
			raws = append(raws, rc)
		}
		for i, rc := range raws {
			if done[i] {
				continue
			}
			rc.Read(func(fd uintptr) bool {
				for {
					n, err := syscall.Read(int(fd), buf)
					if n == 0 && err == nil { // end of stream
						done[i] = true
						open--
						return true
					}
					if err != nil || n < len(buf) {
						return true
					}
				}
			})
		}
	}
}
