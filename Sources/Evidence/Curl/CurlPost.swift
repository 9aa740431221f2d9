import CCurl
import Foundation

/// The answer to one HTTP POST.
struct HTTPAnswer: Equatable {
    var status: Int
    var contentType: String?
    var body: [UInt8]
}

/// Why a POST got no answer: libcurl's code and message (refused, timed out, unresolvable host…).
struct HTTPFailure: Error, Equatable {
    var code: Int
    var message: String
}

/// One HTTP POST through libcurl: all of attest's libcurl pointer work. A fresh easy handle per
/// request keeps no state between requests (no connection reuse, no cookies).
enum CurlPost {
    /// libcurl's global state, set up once before the first handle (curl_global_init is not
    /// thread-safe; a lazily initialised static runs it exactly once).
    private static let initialised: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    /// Collects the body, refusing more than `limit` bytes.
    private final class Sink {
        var bytes: [UInt8] = []
        let limit: Int
        init(limit: Int) { self.limit = limit }
    }

    static func post(url: String, contentType: String, accept: String, body: [UInt8],
                     connectTimeout: Double, totalTimeout: Double, maximumAnswerBytes: Int) -> Result<HTTPAnswer, HTTPFailure> {
        guard initialised, let handle = curl_easy_init() else {
            return .failure(HTTPFailure(code: -1, message: "libcurl could not be initialised"))
        }
        defer { curl_easy_cleanup(handle) }
        var headers: UnsafeMutablePointer<curl_slist>?
        for header in ["Content-Type: \(contentType)", "Accept: \(accept)", "Expect:"] {
            guard let appended = curl_slist_append(headers, header) else {
                curl_slist_free_all(headers)
                return .failure(HTTPFailure(code: -1, message: "out of memory"))
            }
            headers = appended
        }
        defer { curl_slist_free_all(headers) }
        let sink = Sink(limit: maximumAnswerBytes)
        let context = Unmanaged.passUnretained(sink).toOpaque()
        let write: attest_curl_write_callback = { data, size, count, context in
            guard let data, let context else { return 0 }
            let sink = Unmanaged<Sink>.fromOpaque(context).takeUnretainedValue()
            let length = size * count
            // Returning less than was given makes libcurl stop with CURLE_WRITE_ERROR.
            guard sink.bytes.count + length <= sink.limit else { return 0 }
            data.withMemoryRebound(to: UInt8.self, capacity: length) { sink.bytes.append(contentsOf: UnsafeBufferPointer(start: $0, count: length)) }
            return length
        }
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let code: CURLcode = withExtendedLifetime(sink) {
            body.withUnsafeBufferPointer { payload in
                errorBuffer.withUnsafeMutableBufferPointer { errors in
                    let settings: [CURLcode] = [
                        attest_curl_set_pointer(handle, CURLOPT_URL, url),
                        attest_curl_set_pointer(handle, CURLOPT_PROTOCOLS_STR, "http,https"),
                        attest_curl_set_long(handle, CURLOPT_NOSIGNAL, 1),
                        attest_curl_set_long(handle, CURLOPT_FOLLOWLOCATION, 0),
                        attest_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(connectTimeout * 1000)),
                        attest_curl_set_long(handle, CURLOPT_TIMEOUT_MS, Int(totalTimeout * 1000)),
                        attest_curl_set_long(handle, CURLOPT_POST, 1),
                        attest_curl_set_long(handle, CURLOPT_POSTFIELDSIZE, payload.count),
                        attest_curl_set_pointer(handle, CURLOPT_POSTFIELDS, payload.baseAddress),
                        attest_curl_set_pointer(handle, CURLOPT_HTTPHEADER, headers),
                        attest_curl_set_pointer(handle, CURLOPT_USERAGENT, "attest"),
                        attest_curl_set_write_callback(handle, write),
                        attest_curl_set_pointer(handle, CURLOPT_WRITEDATA, context),
                        attest_curl_set_pointer(handle, CURLOPT_ERRORBUFFER, errors.baseAddress),
                    ]
                    if let failed = settings.first(where: { $0 != CURLE_OK }) { return failed }
                    return curl_easy_perform(handle)
                }
            }
        }
        guard code == CURLE_OK else {
            let detail = String(decoding: errorBuffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
            return .failure(HTTPFailure(code: Int(code.rawValue), message: message))
        }
        var status = 0
        _ = attest_curl_response_code(handle, &status)
        var type: UnsafeMutablePointer<CChar>?
        let contentType = attest_curl_content_type(handle, &type) == CURLE_OK ? type.map { String(cString: $0) } : nil
        return .success(HTTPAnswer(status: status, contentType: contentType, body: sink.bytes))
    }
}
