// Command driver pushes and pulls OCI blobs the way Go registry clients do, for SRegistry's tests.
//
//	driver -registry HOST:PORT -repo e/c/n [-user U -password P] push-stream FILE
//	driver -registry HOST:PORT -repo e/c/n [-user U -password P | -bearer TOKEN] push-chunked FILE [CHUNK_BYTES]
//	driver -registry HOST:PORT -repo e/c/n [-user U -password P] [-tag T] push-sif FILE
//	driver -registry HOST:PORT -repo e/c/n [-user U -password P] [-tag T] pull-ranges DIGEST OFFSET:LENGTH...
//
// push-stream is containers/image's own docker transport (PutBlob with an unknown size): POST, then the
// whole body in ONE streamed PATCH, then PUT ?digest=. containers/image 5.23 never splits a blob into several
// PATCHes, so push-chunked sends that sequence itself with plain net/http, as the Singularity/Apptainer OCI
// clients do: POST, PATCH pieces with "Content-Range: start-end" (no "bytes " prefix), each to the Location the
// previous answer gave, then PUT <Location>?digest= with an empty body (credentials only after a 401, as they do).
// push-sif pushes FILE as an ORAS-style SIF artifact at -tag: the layer chunked as above, the config through
// containers/image's PutBlob, the manifest through its PutManifest.
// pull-ranges is containers/image's dockerImageSource.GetBlobAt (one GET with a multi-range header); its chunk
// type lives in an internal package, so the call goes through reflection.
// Every command prints one JSON object on stdout; failures print "error: ..." on stderr and exit 1.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"reflect"
	"strconv"
	"strings"

	"github.com/containers/image/v5/docker"
	"github.com/containers/image/v5/pkg/blobinfocache/none"
	"github.com/containers/image/v5/types"
	digest "github.com/opencontainers/go-digest"
)

var (
	registry = flag.String("registry", "", "host:port of the registry (plain http)")
	repo     = flag.String("repo", "", "repository name, e.g. entity/collection/container")
	user     = flag.String("user", "", "user name for Basic auth at the token endpoint (empty: anonymous)")
	password = flag.String("password", "", "password or API token")
	tag      = flag.String("tag", "latest", "tag that push-sif writes and pull-ranges opens")
	bearer   = flag.String("bearer", "", "push-chunked: send this token from the first request on, as the library clients do after the OCI redirect")
	scratch  string
)

func main() {
	flag.Parse()
	args := flag.Args()
	var err error
	if scratch, err = os.MkdirTemp("", "oci-driver"); err != nil {
		fail(err)
	}
	defer os.RemoveAll(scratch)
	if len(args) < 2 || *registry == "" || *repo == "" {
		fail(fmt.Errorf("usage: driver -registry H:P -repo NAME [-user U -password P] push-stream|push-chunked|pull-ranges ..."))
	}
	var result interface{}
	switch args[0] {
	case "push-stream":
		result, err = pushStream(args[1])
	case "push-chunked":
		chunk := int64(5 << 20)
		if len(args) > 2 {
			chunk, err = strconv.ParseInt(args[2], 10, 64)
		}
		if err == nil {
			result, err = pushChunked(args[1], chunk)
		}
	case "push-sif":
		result, err = pushSif(args[1])
	case "pull-ranges":
		result, err = pullRanges(args[1], args[2:])
	default:
		err = fmt.Errorf("unknown command %q", args[0])
	}
	if err != nil {
		fail(err)
	}
	out, _ := json.Marshal(result)
	fmt.Println(string(out))
}

func fail(err error) {
	if scratch != "" {
		os.RemoveAll(scratch)
	}
	fmt.Fprintln(os.Stderr, "error:", err)
	os.Exit(1)
}

// systemContext allows plain http on loopback and carries the credentials, as skopeo --tls-verify=false --creds does;
// an empty registries.conf and auth file of its own keep the machine's configuration out of the test.
func systemContext() *types.SystemContext {
	config := scratch
	if err := os.WriteFile(config+"/registries.conf", nil, 0o600); err != nil {
		fail(err)
	}
	sys := &types.SystemContext{
		DockerInsecureSkipTLSVerify: types.OptionalBoolTrue,
		DockerDisableV1Ping:         true,
		SystemRegistriesConfPath:    config + "/registries.conf",
		RegistriesDirPath:           config,
		AuthFilePath:                config + "/auth.json",
	}
	if *user != "" {
		sys.DockerAuthConfig = &types.DockerAuthConfig{Username: *user, Password: *password}
	}
	return sys
}

func reference() (types.ImageReference, error) {
	return docker.ParseReference("//" + *registry + "/" + *repo + ":" + *tag)
}

func fileDigest(path string) (digest.Digest, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	return digest.NewDigestFromEncoded(digest.SHA256, hex.EncodeToString(h.Sum(nil))), n, err
}

func pushStream(path string) (interface{}, error) {
	ref, err := reference()
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	dest, err := ref.NewImageDestination(ctx, systemContext())
	if err != nil {
		return nil, err
	}
	defer dest.Close()
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// Size -1 and no digest: the transport streams the body in one PATCH and computes the digest itself.
	info, err := dest.PutBlob(ctx, f, types.BlobInfo{Size: -1}, none.NoCache, false)
	if err != nil {
		return nil, err
	}
	return map[string]interface{}{"digest": info.Digest.String(), "size": info.Size}, nil
}

func pullRanges(blob string, ranges []string) (interface{}, error) {
	ref, err := reference()
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	src, err := ref.NewImageSource(ctx, systemContext())
	if err != nil {
		return nil, err
	}
	defer src.Close()
	method := reflect.ValueOf(src).MethodByName("GetBlobAt")
	if !method.IsValid() {
		return nil, fmt.Errorf("this containers/image has no GetBlobAt on its docker image source")
	}
	chunkType := method.Type().In(2)
	chunks := reflect.MakeSlice(chunkType, 0, len(ranges))
	for _, r := range ranges {
		parts := strings.SplitN(r, ":", 2)
		if len(parts) != 2 {
			return nil, fmt.Errorf("range %q is not OFFSET:LENGTH", r)
		}
		offset, err1 := strconv.ParseUint(parts[0], 10, 64)
		length, err2 := strconv.ParseUint(parts[1], 10, 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("range %q is not OFFSET:LENGTH", r)
		}
		chunk := reflect.New(chunkType.Elem()).Elem()
		chunk.FieldByName("Offset").SetUint(offset)
		chunk.FieldByName("Length").SetUint(length)
		chunks = reflect.Append(chunks, chunk)
	}
	info := types.BlobInfo{Digest: digest.Digest(blob), Size: -1}
	out := method.Call([]reflect.Value{reflect.ValueOf(ctx), reflect.ValueOf(info), chunks})
	if !out[2].IsNil() {
		return nil, out[2].Interface().(error)
	}
	streams := out[0].Interface().(chan io.ReadCloser)
	errs := out[1].Interface().(chan error)
	var parts []map[string]interface{}
	for streams != nil || errs != nil {
		select {
		case stream, ok := <-streams:
			if !ok {
				streams = nil
				continue
			}
			h := sha256.New()
			n, err := io.Copy(h, stream)
			stream.Close()
			if err != nil {
				return nil, err
			}
			parts = append(parts, map[string]interface{}{"length": n, "sha256": hex.EncodeToString(h.Sum(nil))})
		case err, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
			return nil, err
		}
	}
	return map[string]interface{}{"parts": parts}, nil
}
