import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// One step of an XML document: an element opens (local name without prefix, attributes by qualified name), text,
/// or an element closes.
enum XMLEvent: Equatable {
    case start(String, [String: String])
    case text(String)
    case end(String)
}

/// Parses XML into a flat list of events with Foundation's `XMLParser` (libxml2, no external entities or DTDs
/// loaded), so the format readers are plain loops over values.
enum XMLEvents {
    /// The events of `data`; throws `IngestError.damagedArchive` naming `part` when it is not well-formed XML.
    static func parse(_ data: Data, part: String) throws -> [XMLEvent] {
        let parser = XMLParser(data: data)
        let collector = Collector()
        parser.delegate = collector
        parser.shouldResolveExternalEntities = false
        parser.shouldProcessNamespaces = false
        guard parser.parse() else {
            let line = parser.lineNumber
            throw IngestError.damagedArchive("\(part) is not well-formed XML (line \(line))")
        }
        return collector.events
    }

    /// The local part of a qualified name (`w:p` → `p`).
    static func localName(_ name: String) -> String {
        name.firstIndex(of: ":").map { String(name[name.index(after: $0)...]) } ?? name
    }

    private final class Collector: NSObject, XMLParserDelegate {
        var events: [XMLEvent] = []

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            events.append(.start(XMLEvents.localName(elementName), attributes))
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if case .text(let previous) = events.last {
                events[events.count - 1] = .text(previous + string)
            } else {
                events.append(.text(string))
            }
        }

        func parser(
            _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?
        ) {
            events.append(.end(XMLEvents.localName(elementName)))
        }
    }
}
