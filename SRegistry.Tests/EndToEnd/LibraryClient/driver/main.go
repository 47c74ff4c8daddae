// Command driver runs Apptainer's own library client (Debian's golang-github-apptainer-container-library-client-dev)
// against a registry, so end-to-end tests exercise the protocol exactly as `singularity push/pull/search/delete` do.
//
// Usage: driver -url URL [-token T] COMMAND ARGS
//
//	push FILE REF [-arch A] [-tags t1,t2]   REF is entity/collection/container
//	pull REF TAG OUT [-arch A] [-concurrency N]
//	search TEXT [-arch A] [-signed]
//	delete REF:TAG -arch A
//	image REF:TAG [-arch A]
//
// Results are JSON on stdout; failures exit 1 with the client's error on stderr.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/apptainer/container-library-client/client"
)

type stderrLogger struct{}

func (stderrLogger) Log(v ...interface{})                 { fmt.Fprintln(os.Stderr, v...) }
func (stderrLogger) Logf(format string, v ...interface{}) { fmt.Fprintf(os.Stderr, format+"\n", v...) }

func main() {
	baseURL := flag.String("url", "", "registry base URL")
	token := flag.String("token", "", "bearer token")
	timeout := flag.Duration("timeout", 10*time.Minute, "overall timeout")
	flag.Parse()
	args := flag.Args()
	if *baseURL == "" || len(args) == 0 {
		fail(fmt.Errorf("usage: driver -url URL [-token T] push|pull|search|delete|image ARGS"))
	}
	c, err := client.NewClient(&client.Config{BaseURL: *baseURL, AuthToken: *token, UserAgent: "sregistry-e2e-driver", Logger: stderrLogger{}})
	if err != nil {
		fail(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()

	switch args[0] {
	case "push":
		push(ctx, c, args[1:])
	case "pull":
		pull(ctx, c, args[1:])
	case "search":
		search(ctx, c, args[1:])
	case "delete":
		del(ctx, c, args[1:])
	case "image":
		image(ctx, c, args[1:])
	default:
		fail(fmt.Errorf("unknown command %q", args[0]))
	}
}

func push(ctx context.Context, c *client.Client, args []string) {
	fs := flag.NewFlagSet("push", flag.ExitOnError)
	arch := fs.String("arch", "amd64", "architecture")
	tags := fs.String("tags", "latest", "comma-separated tags")
	positional := parse(fs, args, 2)
	f, err := os.Open(positional[0])
	if err != nil {
		fail(err)
	}
	defer f.Close()
	start := time.Now()
	res, err := c.UploadImage(ctx, f, positional[1], *arch, strings.Split(*tags, ","), "pushed by the e2e driver", nil)
	if err != nil {
		fail(err)
	}
	// The client returns no completion when the image was already there and only tags were set.
	result := map[string]interface{}{"uploaded": res != nil, "seconds": time.Since(start).Seconds()}
	if res != nil {
		result["containerUrl"] = res.ContainerURL
		result["quota"] = res.Quota
	}
	emit(result)
}

func pull(ctx context.Context, c *client.Client, args []string) {
	fs := flag.NewFlagSet("pull", flag.ExitOnError)
	arch := fs.String("arch", "amd64", "architecture")
	concurrency := fs.Uint("concurrency", 0, "0: single stream; N: ranged, N at once")
	partSize := fs.Int64("part-size", 5*1024*1024, "bytes per range in concurrent mode")
	positional := parse(fs, args, 3)
	out, err := os.Create(positional[2])
	if err != nil {
		fail(err)
	}
	defer out.Close()
	start := time.Now()
	if *concurrency == 0 {
		err = c.DownloadImage(ctx, out, *arch, positional[0], positional[1], nil)
	} else {
		err = c.ConcurrentDownloadImage(ctx, out, *arch, positional[0], positional[1],
			&client.Downloader{Concurrency: *concurrency, PartSize: *partSize, BufferSize: 1 << 20}, nil)
	}
	if err != nil {
		os.Remove(positional[2])
		fail(err)
	}
	emit(map[string]interface{}{"seconds": time.Since(start).Seconds()})
}

func search(ctx context.Context, c *client.Client, args []string) {
	fs := flag.NewFlagSet("search", flag.ExitOnError)
	arch := fs.String("arch", "", "architecture filter")
	signed := fs.Bool("signed", false, "signed images only")
	positional := parse(fs, args, 1)
	query := map[string]string{"value": positional[0]}
	if *arch != "" {
		query["arch"] = *arch
	}
	if *signed {
		query["signed"] = "true"
	}
	res, err := c.Search(ctx, query)
	if err != nil {
		fail(err)
	}
	emit(res)
}

func del(ctx context.Context, c *client.Client, args []string) {
	fs := flag.NewFlagSet("delete", flag.ExitOnError)
	arch := fs.String("arch", "amd64", "architecture")
	positional := parse(fs, args, 1)
	if err := c.DeleteImage(ctx, positional[0], *arch); err != nil {
		fail(err)
	}
	emit(map[string]string{"deleted": positional[0]})
}

func image(ctx context.Context, c *client.Client, args []string) {
	fs := flag.NewFlagSet("image", flag.ExitOnError)
	arch := fs.String("arch", "amd64", "architecture")
	positional := parse(fs, args, 1)
	img, err := c.GetImage(ctx, *arch, positional[0])
	if err != nil {
		fail(err)
	}
	emit(img)
}

// parse accepts flags before or after the positional arguments, as people type them.
func parse(fs *flag.FlagSet, args []string, want int) []string {
	var positional []string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			fail(err)
		}
		args = fs.Args()
		if len(args) > 0 {
			positional = append(positional, args[0])
			args = args[1:]
		}
	}
	if len(positional) != want {
		fail(fmt.Errorf("%s: want %d arguments, got %d", fs.Name(), want, len(positional)))
	}
	return positional
}

func emit(v interface{}) {
	if err := json.NewEncoder(os.Stdout).Encode(v); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "error:", err)
	os.Exit(1)
}
