package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
)

// pushChunked sends the Singularity/Apptainer clients' upload with plain net/http: POST without credentials,
// on 401 fetch a token and POST again, PATCH each piece to the last Location, then PUT ?digest=.
func pushChunked(path string, chunk int64) (interface{}, error) {
	blob, size, err := fileDigest(path)
	if err != nil {
		return nil, err
	}
	base, _ := url.Parse("http://" + *registry + "/v2/" + *repo + "/blobs/uploads/")
	if *bearer != "" {
		authorization = "Bearer " + *bearer
	}
	res, err := send(http.MethodPost, base, nil, "", nil)
	if err != nil {
		return nil, err
	}
	if res.StatusCode == http.StatusUnauthorized && *user != "" {
		if authorization, err = authorize(res.Header.Get("WWW-Authenticate")); err != nil {
			return nil, err
		}
		if res, err = send(http.MethodPost, base, nil, "", nil); err != nil {
			return nil, err
		}
	}
	if res.StatusCode != http.StatusAccepted {
		return nil, fmt.Errorf("POST %s: %s", base, res.Status)
	}
	location, err := next(base, res)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buffer := make([]byte, chunk)
	patches := 0
	for offset := int64(0); offset < size; {
		n, err := io.ReadFull(f, buffer)
		if err != nil && err != io.ErrUnexpectedEOF {
			return nil, err
		}
		headers := map[string]string{"Content-Range": fmt.Sprintf("%d-%d", offset, offset+int64(n)-1)}
		res, err := send(http.MethodPatch, location, buffer[:n], "application/octet-stream", headers)
		if err != nil {
			return nil, err
		}
		if res.StatusCode != http.StatusAccepted {
			return nil, fmt.Errorf("PATCH %s (%s): %s", location, headers["Content-Range"], res.Status)
		}
		if location, err = next(location, res); err != nil {
			return nil, err
		}
		offset += int64(n)
		patches++
	}
	done := *location
	query := done.Query()
	query.Set("digest", blob.String())
	done.RawQuery = query.Encode()
	res, err = send(http.MethodPut, &done, nil, "application/octet-stream", nil)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusCreated {
		return nil, fmt.Errorf("PUT %s: %s", done.Path, res.Status)
	}
	return map[string]interface{}{"digest": blob.String(), "size": size, "patches": patches,
		"location": res.Header.Get("Location"), "dockerContentDigest": res.Header.Get("Docker-Content-Digest")}, nil
}

// authorization is the header kept for the rest of the upload once a 401 asked for credentials.
var authorization string

func send(method string, target *url.URL, body []byte, contentType string, headers map[string]string) (*http.Response, error) {
	req, err := http.NewRequest(method, target.String(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.ContentLength = int64(len(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for key, value := range headers {
		req.Header.Set(key, value)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res, nil
}

// next resolves an answer's Location (absolute or relative) against the URL that was asked.
func next(asked *url.URL, res *http.Response) (*url.URL, error) {
	location := res.Header.Get("Location")
	if location == "" {
		return nil, fmt.Errorf("%s %s answered %s without a Location", res.Request.Method, asked.Path, res.Status)
	}
	return asked.Parse(location)
}

// authorize answers a challenge: Basic sends the credentials as they are; Bearer trades them at the realm for a token.
func authorize(challenge string) (string, error) {
	basic := "Basic " + basicCredentials()
	if !strings.HasPrefix(challenge, "Bearer ") {
		return basic, nil
	}
	params := challengeParams(strings.TrimPrefix(challenge, "Bearer "))
	realm, err := url.Parse(params["realm"])
	if err != nil {
		return "", err
	}
	query := realm.Query()
	for _, key := range []string{"service", "scope"} {
		if params[key] != "" {
			query.Set(key, params[key])
		}
	}
	realm.RawQuery = query.Encode()
	req, _ := http.NewRequest(http.MethodGet, realm.String(), nil)
	req.Header.Set("Authorization", basic)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return "", fmt.Errorf("token endpoint %s: %s", realm.Path, res.Status)
	}
	var answer struct {
		Token       string `json:"token"`
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&answer); err != nil {
		return "", err
	}
	if answer.Token == "" {
		answer.Token = answer.AccessToken
	}
	return "Bearer " + answer.Token, nil
}

// challengeParams reads key="value" pairs; a quoted value may hold commas (scope="repository:e/c/n:pull,push").
func challengeParams(header string) map[string]string {
	params := map[string]string{}
	for rest := strings.TrimSpace(header); rest != ""; {
		eq := strings.IndexByte(rest, '=')
		if eq < 0 {
			break
		}
		key := strings.TrimSpace(rest[:eq])
		rest = rest[eq+1:]
		var value string
		if strings.HasPrefix(rest, `"`) {
			end := strings.IndexByte(rest[1:], '"')
			if end < 0 {
				end = len(rest) - 1
			}
			value, rest = rest[1:end+1], rest[minInt(end+2, len(rest)):]
		} else if comma := strings.IndexByte(rest, ','); comma >= 0 {
			value, rest = rest[:comma], rest[comma:]
		} else {
			value, rest = rest, ""
		}
		params[key] = value
		rest = strings.TrimLeft(rest, ", ")
	}
	return params
}

func basicCredentials() string {
	return base64.StdEncoding.EncodeToString([]byte(*user + ":" + *password))
}

func minInt(a, b int) int {
	if a < b {
		return a
	}
	return b
}
