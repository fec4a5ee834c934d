/**
 * The EC2 client parses XML with the platform's DOMParser when bundled for non-Node
 * runtimes such as workerd, which has none. @xmldom/xmldom provides a conforming one; this
 * module installs it (and `Node` for the node-type constants) before the SDK is used.
 * Import it before `@aws-sdk/client-ec2`.
 */
import { DOMParser, Node } from "@xmldom/xmldom";

const scope = globalThis as Record<string, unknown>;
if (typeof scope.DOMParser === "undefined") scope.DOMParser = DOMParser;
if (typeof scope.Node === "undefined") scope.Node = Node;
