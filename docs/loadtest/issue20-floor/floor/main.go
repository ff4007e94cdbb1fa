// floor: the CPU a client process spends only receiving N streams of
// SSE chunks over HTTPS+HTTP/2 (or HTTP/1.1), doing nothing with them.
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

func main() {
	role := flag.String("role", "main", "")
	addr := flag.String("addr", "", "")
	streams := flag.Int("streams", 10, "")
	tokens := flag.Int("tokens", 300, "")
	tps := flag.Float64("tps", 50, "")
	ramp := flag.Duration("ramp", 2*time.Second, "time over which the streams start")
	h1 := flag.Bool("h1", false, "plain HTTP/1.1")
	flag.Parse()
	switch *role {
	case "main":
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			w.WriteHeader(200)
			f := w.(http.Flusher)
			f.Flush()
			time.Sleep(500 * time.Millisecond)
			t := time.NewTicker(time.Duration(float64(time.Second) / *tps))
			defer t.Stop()
			for i := 0; i < *tokens; i++ {
				<-t.C
				fmt.Fprintf(w, "data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" tok%d\"}}]}\n\n", i)
				f.Flush()
			}
			io.WriteString(w, "data: [DONE]\n\n")
		}))
		var url string
		if *h1 {
			srv.Start()
			url = srv.URL
		} else {
			srv.EnableHTTP2 = true
			srv.StartTLS()
			url = srv.URL
		}
		cmd := exec.Command(os.Args[0], append([]string{"-role", "client", "-addr", url}, flag.Args()...)...)
		cmd.Args = append(cmd.Args[:1], append([]string{"-role", "client", "-addr", url, fmt.Sprintf("-streams=%d", *streams), fmt.Sprintf("-h1=%v", *h1), fmt.Sprint("-ramp=", *ramp)}, flag.Args()...)...)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		cmd.Env = os.Environ()
		if err := cmd.Run(); err != nil {
			fmt.Println("client:", err)
		}
		ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		fmt.Printf("client CPU %v (user %v sys %v) = %.1f ms per stream of %d tokens, %.1f us/token; vcsw %d ivcsw %d\n",
			cpu, time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano()), float64(cpu.Microseconds())/1000/float64(*streams), *tokens,
			float64(cpu.Microseconds())/float64(*streams**tokens), ru.Nvcsw, ru.Nivcsw)
	case "client":
		tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, ForceAttemptHTTP2: !*h1,
			DialContext: (&net.Dialer{}).DialContext}
		c := &http.Client{Transport: tr}
		var wg sync.WaitGroup
		for i := 0; i < *streams; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := c.Post(*addr, "application/json", nil)
				if err != nil {
					fmt.Println(err)
					return
				}
				br := bufio.NewReaderSize(resp.Body, 1024)
				n := 0
				for {
					_, err := br.ReadSlice('\n')
					if err != nil {
						break
					}
					n++
				}
				resp.Body.Close()
				if n < *tokens {
					fmt.Println("short", n, resp.Proto)
				}
			}()
			time.Sleep(*ramp / time.Duration(*streams)) // spread the arrivals like the ramp
		}
		wg.Wait()
	}
}
