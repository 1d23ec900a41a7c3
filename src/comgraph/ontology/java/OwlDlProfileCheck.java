// Checks one ontology document against the OWL 2 DL profile with the OWL API's OWL2DLProfile.
//
// Run with the OWL API on the class path, as a single-file source program (Java 11+ compiles it
// in memory, so nothing is built ahead of time):
//     java -cp HermiT.jar OwlDlProfileCheck.java ontology.owl
// owlready2 ships HermiT.jar, which bundles the OWL API; comgraph.ontology finds it there.
// Prints one line per violation ("VIOLATION\t<class>\t<text>") and exits 0 when the ontology
// is in the profile, 1 when it is not, 2 when the document cannot be read. owl:imports are not
// followed: comgraph strips them and checks the core with the declarations it carries.

import java.io.File;

import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.model.OWLOntologyManager;
import org.semanticweb.owlapi.profiles.OWL2DLProfile;
import org.semanticweb.owlapi.profiles.OWLProfileReport;
import org.semanticweb.owlapi.profiles.OWLProfileViolation;

public class OwlDlProfileCheck {
    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: OwlDlProfileCheck ONTOLOGY_FILE");
            System.exit(2);
        }
        OWLOntology ontology;
        try {
            OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
            manager.setSilentMissingImportsHandling(true);
            ontology = manager.loadOntologyFromOntologyDocument(new File(args[0]));
        } catch (Exception e) {
            System.err.println("cannot read " + args[0] + ": " + e);
            System.exit(2);
            return;
        }
        OWLProfileReport report = new OWL2DLProfile().checkOntology(ontology);
        for (OWLProfileViolation violation : report.getViolations()) {
            String text = violation.toString().replace('\n', ' ').replace('\t', ' ');
            System.out.println("VIOLATION\t" + violation.getClass().getSimpleName() + "\t" + text);
        }
        System.out.println("AXIOMS\t" + ontology.getAxiomCount());
        System.exit(report.isInProfile() ? 0 : 1);
    }
}
